/* Constant data more than one test reads: text recorded on real machines. */
#ifndef MMBENCH_FIXTURES_H
#define MMBENCH_FIXTURES_H

/* /sys/kernel/tracing/events/sched/sched_skip_vma_numa/format on the Linux 6.18 development machine. */
static const char skip_vma_numa_6_18[] =
	"name: sched_skip_vma_numa\n"
	"ID: 357\n"
	"format:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n"
	"\n"
	"\tfield:unsigned long numa_scan_offset;\toffset:8;\tsize:8;\tsigned:0;\n"
	"\tfield:unsigned long vm_start;\toffset:16;\tsize:8;\tsigned:0;\n"
	"\tfield:unsigned long vm_end;\toffset:24;\tsize:8;\tsigned:0;\n"
	"\tfield:enum numa_vmaskip_reason reason;\toffset:32;\tsize:4;\tsigned:0;\n"
	"\n"
	"print fmt: \"numa_scan_offset=%lX vm_start=%lX vm_end=%lX reason=%s\", "
	"REC->numa_scan_offset, REC->vm_start, REC->vm_end, __print_symbolic(REC->reason, "
	"{ 0, \"unsuitable\" }, { 1, \"shared_ro\" }, { 2, \"inaccessible\" }, "
	"{ 3, \"scan_delay\" }, { 4, \"pid_inactive\" }, { 5, \"ignore_pid_inactive\" }, "
	"{ 6, \"seq_completed\" })\n";

#endif
