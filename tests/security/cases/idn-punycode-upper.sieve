redirect "alice@XN--CRP-8LA.EXAMPLE";
