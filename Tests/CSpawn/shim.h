// glibc declares these only under _GNU_SOURCE, which Swift's Glibc module is built without.
// They have been in glibc since 2.29 (chdir) and 2.34 (closefrom) and pipe2 since 2.9.
#include <spawn.h>

int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *actions, int from);
int posix_spawn_file_actions_addchdir_np(posix_spawn_file_actions_t *actions, const char *path);
int pipe2(int fds[2], int flags);
