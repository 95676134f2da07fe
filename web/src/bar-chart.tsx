/** A bar or line chart drawn by Chart.js on a canvas, with the same figures as text for screen readers. */
import { useEffect, useRef } from 'react';
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LineController,
  LineElement,
  LinearScale,
  PointElement,
  Tooltip,
} from 'chart.js';

Chart.register(
  BarController,
  BarElement,
  LineController,
  LineElement,
  PointElement,
  CategoryScale,
  LinearScale,
  Tooltip,
  Legend,
);

export interface Series {
  readonly label: string;
  readonly values: ReadonlyArray<number | null>;
  readonly color: string;
}

export function BarChart({
  labels,
  series,
  summary,
  stacked = false,
  max,
  type = 'bar',
}: {
  labels: readonly string[];
  series: readonly Series[];
  /** What the chart shows, in words (the canvas's accessible name). */
  summary: string;
  stacked?: boolean;
  max?: number;
  type?: 'bar' | 'line';
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!canvas.current) return;
    const chart = new Chart(canvas.current, {
      type,
      data: {
        labels: [...labels],
        datasets: series.map((s) => ({
          label: s.label,
          data: [...s.values],
          backgroundColor: s.color,
          borderColor: s.color,
        })),
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        plugins: { legend: { display: series.length > 1 } },
        scales: { x: { stacked }, y: { stacked, beginAtZero: true, ...(max !== undefined ? { max } : {}) } },
      },
    });
    return () => chart.destroy();
  }, [labels, series, stacked, max, type]);
  return (
    <div className="chart">
      <canvas ref={canvas} role="img" aria-label={summary} />
    </div>
  );
}
