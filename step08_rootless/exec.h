/* exec.h - the last step of every container: become the command. */
#pragma once

#include <stdnoreturn.h>

/* execvp(3) the command with a clean environment (PATH, HOME, TERM, HOSTNAME),
 * as Docker gives it, and every signal unblocked and back to its default action.
 * On failure print why and _exit with Docker's code:
 * 127 if the command does not exist, 126 if it cannot be executed. */
noreturn void exec_command(char **command);

/* KEY=VALUE strings exec_command() puts over its clean environment, later
 * ones winning (NULL: none; steps 01-05 never set any). The strings must
 * live until the exec. */
void set_command_environment(char *const *env);

/* Turn a wait(2) status into the exit code a shell would show: the exit
 * status, or 128+N for a process killed by signal N. */
int exit_code_of(int wait_status);
