/* preflight: `bunrictl preflight`, what a server still lacks before the first start of
 * bunri-dataplane (IOMMU, vfio-pci, hugepages, the NICs of appliance.cfg, cores, the
 * flow-log key, file permissions). */
#ifndef BUNRI_PREFLIGHT_H
#define BUNRI_PREFLIGHT_H

/* argv[0] is "preflight". Prints one line per check; returns 0 when nothing is
 * missing, 1 when something is, 2 on a usage error or an unreadable appliance.cfg. */
int preflight_cmd(int argc, char **argv);

#endif
