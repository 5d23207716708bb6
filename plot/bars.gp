# Bars with 95% CI whiskers: one group per case, one bar per run. Variables from a .vars file (see lib/out/plots.c).
load varsfile
load scriptdir."/common.gp"
set style data histogram
set style histogram errorbars gap 1 lw 1.5
set style fill solid 0.75 border -1
set boxwidth 0.9
set xtics rotate by 25 right scale 0 font ",9"
set bmargin 9
# room on the left for the first rotated label
set lmargin 16
if (logy) { set logscale y; set ylabel ylab." (log scale)" } else { set yrange [0:*] }
set offsets 0, 0, graph 0.05, 0
do for [fmt in "png svg"] {
	if (fmt eq "png") { set terminal pngcairo size 800,500 font "sans,10" noenhanced } \
	else { set terminal svg size 800,500 font "sans,10" noenhanced }
	set output outbase.".".fmt
	plot for [i=1:nruns] datafile using (column(3*i-1)):(column(3*i)):(column(3*i+1)):xtic(1) \
		title runs[i] lc i
	set output
}
