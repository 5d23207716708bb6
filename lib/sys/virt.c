/* What the benches run on: bare metal, a hypervisor (kvm, tcg, ...) or a container, and the evidence. */
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "sys/procfs.h"
#include "sys/virt.h"

/* CPUID leaf 0x40000000's vendor signature, when leaf 1 says a hypervisor is present. */
static bool cpuid_hypervisor(char sig[13])
{
	sig[0] = '\0';
#if defined(__x86_64__) || defined(__i386__)
	unsigned a, b, c, d;

	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 31)))
		return false;
	__cpuid(0x40000000, a, b, c, d);
	memcpy(sig, &b, 4);
	memcpy(sig + 4, &c, 4);
	memcpy(sig + 8, &d, 4);
	sig[12] = '\0';
	for (int i = 0; i < 12; i++)
		if (sig[i] && (sig[i] < ' ' || sig[i] > '~'))
			sig[i] = '?';
	return true;
#else
	return false;
#endif
}

static const struct {
	const char *sig, *name;
} signatures[] = {
	{ "KVMKVMKVM", "kvm" },
	{ "TCGTCGTCGTCG", "tcg" },
	{ "Microsoft Hv", "hyperv" },
	{ "VMwareVMware", "vmware" },
	{ "XenVMMXenVMM", "xen" },
	{ "VBoxVBoxVBox", "virtualbox" },
	{ " lrpepyh  vr", "parallels" },
	{ "bhyve bhyve ", "bhyve" },
	{ "ACRNACRNACRN", "acrn" },
	{ NULL, NULL },
};

/* Output of a fixed command, first line; "" when it is missing or says nothing. */
static void command_line_out(const char *cmd, char *buf, size_t len)
{
	FILE *p = popen(cmd, "r");

	buf[0] = '\0';
	if (!p)
		return;
	if (!fgets(buf, len, p))
		buf[0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	pclose(p);
}

/* docker, podman, lxc, ... or NULL: the marker files container runtimes leave. */
static const char *container(void)
{
	static char name[64];
	char path[PATH_MAX], env[4096];
	FILE *f;
	size_t n;

	if (!access("/.dockerenv", F_OK))
		return "docker";
	if (!access("/run/.containerenv", F_OK))
		return "podman";
	f = fopen(sysroot_path(path, sizeof(path), "/proc/1/environ"), "re");
	if (!f)
		return NULL;
	n = fread(env, 1, sizeof(env) - 1, f);
	fclose(f);
	env[n] = '\0';
	for (size_t i = 0; i < n; i += strlen(env + i) + 1)
		if (!strncmp(env + i, "container=", 10)) {
			snprintf(name, sizeof(name), "%s", env + i + 10);
			return name;
		}
	return NULL;
}

static void dmi(const char *file, char *buf, size_t len)
{
	char rel[128], path[PATH_MAX];

	snprintf(rel, sizeof(rel), "/sys/class/dmi/id/%s", file);
	if (read_text(sysroot_path(path, sizeof(path), rel), buf, len))
		buf[0] = '\0';
}

const char *virtualization(void)
{
	static char what[64];
	char sig[13], vendor[128], out[64];

	if (what[0])
		return what;
	if (cpuid_hypervisor(sig)) {
		for (int i = 0; signatures[i].sig; i++)
			if (!strcmp(sig, signatures[i].sig))
				return strcpy(what, signatures[i].name);
		/* QEMU without a signature leaf is TCG; KVM always sets its own. */
		dmi("sys_vendor", vendor, sizeof(vendor));
		return strcpy(what, strstr(vendor, "QEMU") ? "qemu" : "hypervisor");
	}
	command_line_out("systemd-detect-virt --vm 2>/dev/null", out, sizeof(out));
	if (out[0] && strcmp(out, "none")) {
		snprintf(what, sizeof(what), "%s", out);
		return what;
	}
	return strcpy(what, container() ? "container" : "none");
}

json_t *virtualization_detail(void)
{
	char sig[13], buf[128];
	json_t *d = json_object();
	bool hv = cpuid_hypervisor(sig);
	const char *ct = container();

	json_object_set_new(d, "cpuid_hypervisor", json_boolean(hv));
	json_object_set_new(d, "cpuid_signature", hv ? json_string(sig) : json_null());
	dmi("sys_vendor", buf, sizeof(buf));
	json_object_set_new(d, "dmi_sys_vendor", buf[0] ? json_string(buf) : json_null());
	dmi("product_name", buf, sizeof(buf));
	json_object_set_new(d, "dmi_product_name", buf[0] ? json_string(buf) : json_null());
	command_line_out("systemd-detect-virt --vm 2>/dev/null", buf, sizeof(buf));
	json_object_set_new(d, "systemd_detect_virt_vm", buf[0] ? json_string(buf) : json_null());
	command_line_out("systemd-detect-virt --container 2>/dev/null", buf, sizeof(buf));
	json_object_set_new(d, "systemd_detect_virt_container", buf[0] ? json_string(buf) : json_null());
	json_object_set_new(d, "container", ct ? json_string(ct) : json_null());
	return d;
}
