"""Staff work: the inbox, the actions on a task, case lists."""
