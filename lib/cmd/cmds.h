/* Entry points of the mmbench subcommands; main.c dispatches to them. */
#ifndef MMBENCH_CMDS_H
#define MMBENCH_CMDS_H

int cmd_run(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_sysinfo(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
int cmd_trend(int argc, char **argv);
int cmd_bisect_decide(int argc, char **argv);
int cmd_lava_results(int argc, char **argv);
int cmd_profile(int argc, char **argv);
int cmd_publish(int argc, char **argv);
int cmd_seq_alpha(int argc, char **argv);
int cmd_seq_check(int argc, char **argv);
int cmd_seq_runs(int argc, char **argv);
int cmd_system(int argc, char **argv);
int cmd_reproduce(int argc, char **argv);
int cmd_index(int argc, char **argv);
int cmd_push(int argc, char **argv);
int cmd_pull(int argc, char **argv);
int cmd_export(int argc, char **argv);
/* The local copy of the shared archive at @url, brought up to date, its path into @root: an exit code. */
int db_root(const char *cmd, const char *url, char *root, size_t len);
/* What a failure of the database (-errno) says about the exit: bad input 2, else 1; 0 for 0. */
int db_exit(int err);

#endif
