/* Virtualization: what the machine runs on, and the evidence for it. */
#ifndef MMBENCH_VIRT_H
#define MMBENCH_VIRT_H

#include <jansson.h>

/* "none", "kvm", "tcg", "container", or another hypervisor's name. */
const char *virtualization(void);
/* The evidence behind virtualization(): CPUID, DMI, systemd-detect-virt, container markers. New reference. */
json_t *virtualization_detail(void);
#endif
