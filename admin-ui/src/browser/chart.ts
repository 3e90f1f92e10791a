// A time chart of a few series with uPlot, kept to its container's width.

import uPlot from 'uplot'
import { h } from './dom.ts'

export interface ChartSeries {
  label: string
  /** A CSS class of console.css names the same colour for the legend of the page's own text. */
  stroke: string
  fill?: string
}

export interface Chart {
  element: HTMLElement
  setData (columns: number[][]): void
  destroy (): void
}

export function chart (title: string, series: ChartSeries[], format: (n: number) => string): Chart {
  const element = h('figure', { class: 'chart' }, h('figcaption', {}, title))
  const width = (): number => Math.max(element.clientWidth - 8, 280)
  let plot: uPlot | undefined
  const observer = new ResizeObserver(() => plot?.setSize({ width: width(), height: 220 }))
  observer.observe(element)
  return {
    element,
    setData (columns) {
      if (plot === undefined) {
        plot = new uPlot({
          width: width(),
          height: 220,
          series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.stroke, fill: s.fill, width: 1.5, points: { show: false }, value: (_u: uPlot, v: number | null) => v === null ? '–' : format(v) }))],
          axes: [{}, { values: (_u, ticks) => ticks.map(format), size: 70 }],
          cursor: { drag: { x: false, y: false } }
        }, columns as uPlot.AlignedData, element)
      } else {
        plot.setData(columns as uPlot.AlignedData)
      }
    },
    destroy () {
      observer.disconnect()
      plot?.destroy()
    }
  }
}
