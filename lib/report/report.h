/* Rendering one run directory: report.txt, report.md and plots. */
#ifndef MMBENCH_REPORT_H
#define MMBENCH_REPORT_H

/* Writes report.txt and report.md into @run_dir (plots are drawn by run.sh with gnuplot). 0 or -errno. */
int report_render(const char *run_dir);

#endif
