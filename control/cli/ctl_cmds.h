/* bunrictl's live commands: reload (bunri-controld), status, rules, flows and stats
 * (bunri-dataplane). Each takes argv with argv[0] the command's name and returns the
 * exit code: 0 ok, 1 refused (reload) or an error reply, 2 usage or a daemon that
 * cannot be reached. */
#ifndef BUNRI_CTL_CMDS_H
#define BUNRI_CTL_CMDS_H

int ctl_reload_cmd(int argc, char **argv);
int ctl_status_cmd(int argc, char **argv);
int ctl_rules_cmd(int argc, char **argv);
int ctl_flows_cmd(int argc, char **argv);
int ctl_neighbors_cmd(int argc, char **argv);
int ctl_stats_cmd(int argc, char **argv);

#endif
