/* preflight: see preflight.h. Every check reads the kernel's own view (/sys, /proc) so
 * the answer is what the dataplane will find; --root points those reads elsewhere for
 * the tests. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "policy.h"
#include "preflight.h"

struct preflight {
	const char *root;       /* "" on a real server */
	unsigned missing;
	bool needs_vfio;        /* some port is a PCI address, not a vdev */
};

static void report(struct preflight *pf, bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%-8s", ok ? "ok" : "MISSING");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	pf->missing += !ok;
}

static void sys_path(const struct preflight *pf, const char *path, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s", pf->root, path);
}

static unsigned count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	unsigned n = 0;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static void check_ports(struct preflight *pf, const struct appliance *a)
{
	struct cpolicy *cp = policy_compile(a, NULL, time(NULL));
	char path[PATH_MAX], link[PATH_MAX];

	if (cp == NULL) {
		report(pf, false, "ports: cannot read the zones of appliance.cfg (%s)",
		       strerror(errno));
		return;
	}
	for (int z = 0; z < ZONE_COUNT; z++) {
		const struct cp_zone *cz = cpolicy_zone(cp, (enum zone)z);

		for (unsigned i = 0; cz->enabled && i < cz->n_ports; i++) {
			const char *port = cz->ports[i];
			ssize_t n;

			if (strncmp(port, "net_", 4) == 0) {
				report(pf, true, "port %s (%s): virtual device, needs no NIC", port,
				       zone_name((enum zone)z));
				continue;
			}
			pf->needs_vfio = true;
			snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/%s", pf->root, port);
			if (access(path, F_OK) != 0) {
				report(pf, false, "port %s (%s): no such PCI device; `lspci -D` lists "
				       "this server's NICs", port, zone_name((enum zone)z));
				continue;
			}
			snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/%s/driver", pf->root,
				 port);
			n = readlink(path, link, sizeof(link) - 1);
			link[n > 0 ? n : 0] = '\0';
			const char *drv = strrchr(link, '/') ? strrchr(link, '/') + 1 : link;
			report(pf, strcmp(drv, "vfio-pci") == 0,
			       "port %s (%s): driver %s%s", port, zone_name((enum zone)z),
			       n > 0 ? drv : "none",
			       strcmp(drv, "vfio-pci") == 0 ? "" :
			       "; bind it for good with `driverctl set-override " "<pci> vfio-pci`");
		}
	}
	cpolicy_free(cp);
}

static void check_kernel(struct preflight *pf)
{
	char path[PATH_MAX], line[256];
	unsigned long total = 0, size_kb = 0;
	FILE *f;

	sys_path(pf, "/sys/kernel/iommu_groups", path, sizeof(path));
	if (pf->needs_vfio || count_entries(path) > 0)
		report(pf, count_entries(path) > 0, "IOMMU: %u groups%s", count_entries(path),
		       count_entries(path) > 0 ? "" : "; enable VT-d/AMD-Vi in the firmware and "
		       "add intel_iommu=on iommu=pt (or amd_iommu=on) to the kernel command line");
	sys_path(pf, "/sys/bus/pci/drivers/vfio-pci", path, sizeof(path));
	if (pf->needs_vfio || access(path, F_OK) == 0)
		report(pf, access(path, F_OK) == 0, "vfio-pci: %s", access(path, F_OK) == 0 ?
		       "loaded" : "not loaded; `modprobe vfio-pci` and list it in "
		       "/etc/modules-load.d/bunri.conf");
	sys_path(pf, "/proc/meminfo", path, sizeof(path));
	f = fopen(path, "r");
	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		(void)sscanf(line, "HugePages_Total: %lu", &total);
		(void)sscanf(line, "Hugepagesize: %lu kB", &size_kb);
	}
	if (f != NULL)
		fclose(f);
	report(pf, total > 0, "hugepages: %lu x %lu kB reserved%s", total, size_kb,
	       total > 0 ? "" : "; set vm.nr_hugepages in /etc/sysctl.d/bunri-hugepages.conf "
	       "(see bunri-dataplane(8))");
}

static void check_cores(struct preflight *pf)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	report(pf, n >= 2, "cores: %ld online (the dataplane needs one for control and at "
	       "least one worker)", n);
}

/* Mode and owner of a secret or config file against what the units run as. */
static void check_file(struct preflight *pf, const char *what, const char *path,
		       bool secret, const struct passwd *pw)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		report(pf, false, "%s %s: %s", what, path, strerror(errno));
		return;
	}
	if (secret) {
		bool ok = (st.st_mode & 077) == 0 && pw != NULL && st.st_uid == pw->pw_uid;

		report(pf, ok, "%s %s: mode %04o, owner uid %u%s", what, path,
		       (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid,
		       ok ? "" : " (must be 0600 and owned by the controller's user)");
		return;
	}
	report(pf, (st.st_mode & 002) == 0, "%s %s: mode %04o%s", what, path,
	       (unsigned)(st.st_mode & 07777),
	       (st.st_mode & 002) == 0 ? "" : " (writable by anyone: chmod o-w)");
}

static void check_dir(struct preflight *pf, const char *dir, const struct passwd *pw)
{
	struct stat st;
	bool ok;

	if (stat(dir, &st) != 0) {
		report(pf, strcmp(dir, "/var/log/bunri") == 0, "log directory %s: %s", dir,
		       strcmp(dir, "/var/log/bunri") == 0 ?
		       "created at start (LogsDirectory=bunri)" : "does not exist; create it "
		       "owned by bunri and add it to ReadWritePaths= of bunri-controld.service");
		return;
	}
	ok = pw != NULL && ((st.st_uid == pw->pw_uid && (st.st_mode & 0200)) ||
			    (st.st_gid == pw->pw_gid && (st.st_mode & 0020)));
	report(pf, ok, "log directory %s: %s", dir, ok ? "writable by the controller's user" :
	       "not writable by the controller's user (chown bunri:bunri)");
}

static int usage(FILE *out)
{
	fprintf(out, "usage: bunrictl preflight [--config appliance.cfg] [--policy policy.cfg]"
		" [--root DIR]\n"
		"        [--user NAME]  (the user the controller runs as; default bunri)\n");
	return 2;
}

int preflight_cmd(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "policy", required_argument, NULL, 'p' },
		{ "root", required_argument, NULL, 'r' },
		{ "user", required_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cfg = "/etc/bunri/appliance.cfg", *pol = "/etc/bunri/policy.cfg";
	struct preflight pf = { .root = "" };
	struct appliance *a = NULL;
	struct diag *d = diag_new();
	const char *user = "bunri";
	const struct passwd *pw;
	int c;

	while ((c = getopt_long(argc, argv, "c:p:r:u:h", opts, NULL)) != -1) {
		if (c == 'c')
			cfg = optarg;
		else if (c == 'p')
			pol = optarg;
		else if (c == 'r')
			pf.root = optarg;
		else if (c == 'u')
			user = optarg;
		else {
			diag_free(d);
			return c == 'h' ? (usage(stdout), 0) : usage(stderr);
		}
	}
	if (d == NULL || appliance_load(cfg, d, &a) != 0) {
		if (d != NULL)
			diag_print(d, stderr);
		fprintf(stderr, "bunrictl preflight: %s cannot be used; `bunrictl check` says "
			"more\n", cfg);
		diag_free(d);
		return 2;
	}
	pw = getpwnam(user);
	report(&pf, pw != NULL, "user %s: %s", user, pw ? "present" :
	       "missing (the bunri package creates it with systemd-sysusers)");
	check_ports(&pf, a);
	check_kernel(&pf);
	check_cores(&pf);
	check_file(&pf, "config", cfg, false, pw);
	check_file(&pf, "policy", pol, false, pw);
	check_file(&pf, "flow-log key", appliance_logging(a)->key, true, pw);
	check_dir(&pf, appliance_logging(a)->dir, pw);
	printf("%u missing\n", pf.missing);
	appliance_free(a);
	diag_free(d);
	return pf.missing ? 1 : 0;
}
