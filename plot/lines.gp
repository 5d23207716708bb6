# Lines over a numeric case parameter (threads, a knob value, a size) with 95% CI bars; one line per run or family.
load varsfile
load scriptdir."/common.gp"
set bmargin 7
set yrange [0:*]
if (logx) { set logscale x 2 }
set offsets graph 0.03, graph 0.03, graph 0.05, 0
do for [fmt in "png svg"] {
	if (fmt eq "png") { set terminal pngcairo size 800,500 font "sans,10" noenhanced } \
	else { set terminal svg size 800,500 font "sans,10" noenhanced }
	set output outbase.".".fmt
	plot for [i=1:nlines] datafile index (i-1) using 1:2:3:4 with yerrorlines \
		lw 2 pt 7 ps 0.8 lc i title lines[i]
	set output
}
