# plot.gp - median start-up latency per command (bars, labelled) up to its p95 (whiskers).
#   gnuplot -e "data='plot.dat'; out='benchmarks.png'" plot.gp
# data: INDEX "NAME" MEDIAN_MS P95_MS COLOUR (1 kobako, 2 reference, 3 bwrap/crun/runc)
set terminal pngcairo size 1100,560 font "sans,10"
set output out
set title "kobako: start-up latency of /bin/true from a busybox rootfs (bar: median, whisker: up to p95)"
set ylabel "ms"
set style fill solid 0.85 noborder
set boxwidth 0.7
set grid ytics
set xtics rotate by -40 noenhanced nomirror
set key off
set yrange [0:*]
set offsets 0.5, 0.5, 0, 0
set linetype 1 lc rgb "#3b6ea5"
set linetype 2 lc rgb "#9a9a9a"
set linetype 3 lc rgb "#d9822b"
set style textbox opaque noborder margins 0.5,0.5
plot data using 1:3:5:xtic(2) with boxes lc variable, \
     data using 1:3:3:4 with yerrorbars pt 0 lw 1 lc rgb "#333333", \
     data using 1:3:(sprintf("%.1f", $3)) with labels boxed offset 0,0.8 font "sans,8"
