/* bunrictl: the operator's command line. */
#include <stdio.h>
#include <string.h>

#include "check_cmd.h"

static void usage(FILE *out)
{
	fputs("usage: bunrictl COMMAND [OPTIONS]\n"
	      "\n"
	      "commands:\n"
	      "  check [--config FILE] [--policy FILE] [--at DATE] [--json] [--output FILE]\n"
	      "        check appliance.cfg and policy.cfg against the guard rails and print\n"
	      "        every error and warning and, when there are none, a summary.\n"
	      "        --at DATE     check as of that day (YYYY-MM-DD or \"YYYY-MM-DD HH:MM\", JST)\n"
	      "        --output FILE also write the compiled policy's binary form\n"
	      "        exit 0: no errors; 1: errors; 2: a file cannot be read.\n"
	      "  help  this text\n",
	      out);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "check") == 0)
		return check_cmd(argc - 1, argv + 1);
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "bunrictl: unknown command \"%s\"\n", argv[1]);
	usage(stderr);
	return 2;
}
