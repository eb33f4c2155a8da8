/* `bunrictl check`: the policy checks as operators run them. */
#ifndef BUNRI_CHECK_CMD_H
#define BUNRI_CHECK_CMD_H

/* argv[0] is "check". Returns the exit code: 0 clean, 1 errors, 2 unreadable/usage. */
int check_cmd(int argc, char **argv);

#endif
