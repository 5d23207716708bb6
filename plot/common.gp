# Shared look of every mmbench chart: 800x500, plain text labels (metric names have underscores).
set encoding utf8
set termoption noenhanced
set key outside bottom center horizontal box opaque
set grid ytics lc rgb "#d0d0d0"
set border 3
set tics nomirror
set datafile missing "?"
set format y "%.4g"
set title plottitle noenhanced
set ylabel ylab noenhanced
set xlabel xlab noenhanced
