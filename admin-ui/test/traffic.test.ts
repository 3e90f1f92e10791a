import assert from 'node:assert/strict'
import { dense, savings, type TrafficAnswer } from '../src/browser/traffic.ts'
import { bytes, percent } from '../src/browser/format.ts'

const answer = (at: number[], values: Partial<Record<'originHttp' | 'originPeer' | 'swarm' | 'mirrors', number[]>>): TrafficAnswer => ({
  range: 'hour',
  from: '2026-12-01T10:00:00.000Z',
  to: '2026-12-01T10:03:30.000Z',
  series: {
    at,
    originHttp: values.originHttp ?? at.map(() => 0),
    originPeer: values.originPeer ?? at.map(() => 0),
    swarm: values.swarm ?? at.map(() => 0),
    mirrors: values.mirrors ?? at.map(() => 0),
    requests: at.map(() => 0),
    redirects: at.map(() => 0)
  }
})

describe('admin console: traffic figures', () => {
  const t0 = Date.parse('2026-12-01T10:00:00Z') / 1000

  it('the savings are the bytes the swarm and the mirrors delivered over all bytes delivered', () => {
    assert.equal(savings(answer([t0, t0 + 120], { originHttp: [100, 0], originPeer: [0, 100], swarm: [300, 0], mirrors: [0, 500] }).series), 0.8)
    assert.equal(savings(answer([], {}).series), null)
    assert.equal(savings(answer([t0], { originHttp: [10] }).series), 0)
  })

  it('fills every minute of the range, zeros where no row came', () => {
    const columns = dense(answer([t0 + 60, t0 + 180], { swarm: [5, 7] }), ['swarm', 'originHttp'])
    assert.deepEqual(columns, [[t0, t0 + 60, t0 + 120, t0 + 180], [0, 5, 0, 7], [0, 0, 0, 0]])
  })

  it('writes bytes in one unit style and ratios as percents', () => {
    assert.deepEqual([bytes(999), bytes(1000), bytes(1_500_000), bytes(25_000_000_000)], ['999 B', '1.0 kB', '1.5 MB', '25 GB'])
    assert.deepEqual([percent(null), percent(0), percent(0.777), percent(1)], ['–', '0 %', '77.7 %', '100 %'])
  })
})
