# A metric over kernels in version order: each kernel's centre with its 95% interval, change points ringed. Variables from a .vars file (see lib/out/trend_out.c).
load varsfile
load scriptdir."/common.gp"
set xtics rotate by 30 right scale 0 font ",9"
set bmargin 10
set lmargin 16
set xrange [-0.5:nkernels-0.5]
if (logy) { set logscale y; set ylabel ylab." (log scale)" } else { set yrange [0:*] }
set offsets 0, 0, graph 0.05, graph 0.05
do for [fmt in "png svg"] {
	if (fmt eq "png") { set terminal pngcairo size 800,500 font "sans,10" noenhanced } \
	else { set terminal svg size 800,500 font "sans,10" noenhanced }
	set output outbase.".".fmt
	plot datafile using 1:2:3:4:xtic(6) with yerrorlines lw 2 pt 7 ps 0.8 lc 1 \
		title "centre and 95% interval", \
	     datafile using 1:5 with points pt 6 ps 3 lw 2 lc rgb "#c00000" title "change point starts"
	set output
}
