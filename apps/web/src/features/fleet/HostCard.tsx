import { memo, useMemo } from 'react';
import { Link } from 'react-router';
import { AnimatePresence, motion } from 'framer-motion';
import type { HostSummary, InflightRequest, LiveModel } from '@boocontrol/contracts';
import { SwitchModelButton } from '../actions/ActionsLayer';
import { fmtDuration, fmtMb } from './ui/format';
import { Sparkline } from './ui/Sparkline';
import { StatusDot } from './ui/StatusDot';
import { useNow } from './ui/use-now';
import { seriesKey, usePerfHistory, type SeriesMap } from './use-perf-history';

const STATE_ORDER: Record<string, number> = { ready: 0, starting: 1, stopping: 2, unknown: 3, stopped: 4 };

function Meter({ label, value, max, text, series, color }: { label: string; value: number; max: number; text: string; series?: { t: number; v: number }[] | undefined; color?: string }) {
  const pct = max > 0 ? Math.min(100, (value / max) * 100) : 0;
  return (
    <div className="meter">
      <span className="meter-label">{label}</span>
      <span className="meter-bar">
        <span className="meter-fill" style={{ width: `${pct}%` }} />
      </span>
      <span className="meter-value numeral">{text}</span>
      {series && <Sparkline points={series} max={max} width={96} height={18} color={color} label={`${label} history`} />}
    </div>
  );
}

function ModelRow({ m, now }: { m: LiveModel; now: number }) {
  const since = m.since ? now - Date.parse(m.since) : null;
  return (
    <motion.li
      layout
      key={m.id}
      initial={{ opacity: 0, x: -10 }}
      animate={{ opacity: 1, x: 0 }}
      exit={{ opacity: 0, x: 10 }}
      transition={{ duration: 0.25 }}
      className={`model state-${m.state}`}
      data-testid="model-row"
      data-model={m.id}
      data-state={m.state}
    >
      <motion.span className="model-state" key={m.state} initial={{ scale: 1.25 }} animate={{ scale: 1 }} transition={{ type: 'spring', stiffness: 400, damping: 18 }}>
        {m.state}
      </motion.span>
      <span className="model-name" title={m.id}>
        {m.name || m.id}
      </span>
      {since !== null && m.state !== 'stopped' && <span className="model-since muted numeral">{fmtDuration(since)}</span>}
    </motion.li>
  );
}

function Inflight({ reqs, total, now, receivedAt }: { reqs: InflightRequest[]; total: number; now: number; receivedAt: number }) {
  // An empty "in flight" heading reads like something failed to load: say the host is idle.
  if (total === 0 && reqs.length === 0) {
    return (
      <div className="inflight" data-testid="inflight" data-idle="true">
        <div className="inflight-head idle">idle</div>
      </div>
    );
  }
  return (
    <div className="inflight" data-testid="inflight" data-idle="false">
      <div className="inflight-head">
        <span className="numeral">{total}</span> in flight
      </div>
      <ul className="inflight-list">
        <AnimatePresence initial={false}>
          {reqs.slice(0, 4).map((r) => (
            <motion.li key={r.id} layout initial={{ opacity: 0, height: 0 }} animate={{ opacity: 1, height: 'auto' }} exit={{ opacity: 0, height: 0 }} className="inflight-row">
              <span className="mono">{r.model}</span>
              <span className="muted mono">{r.path}</span>
              {/* extrapolated locally between updates, as llama-swap's own UI does */}
              <span className="numeral inflight-elapsed">{fmtDuration(r.elapsedMs + Math.max(0, now - receivedAt))}</span>
            </motion.li>
          ))}
        </AnimatePresence>
        {total > 4 && <li className="muted small">+{total - 4} more</li>}
      </ul>
    </div>
  );
}

function Telemetry({ host, series }: { host: HostSummary; series: SeriesMap }) {
  const p = host.perf;
  if (!p) return <div className="muted small">no telemetry yet</div>;
  return (
    <div className="host-perf">
      {p.gpus.map((g) => {
        const s = String(g.id);
        return (
          <div key={g.id} className="gpu">
            <div className="gpu-name">
              <span>
                GPU{g.id} <span className="muted">{g.name.replace(/^NVIDIA (GeForce )?/, '')}</span>
              </span>
              <span className="numeral gpu-figures">
                <span className={g.tempC >= 80 ? 'hot' : ''}>{Math.round(g.tempC)}°C</span> {Math.round(g.powerW)} W
              </span>
            </div>
            <Meter label="VRAM" value={g.memUsedMb} max={g.memTotalMb} text={fmtMb(g.memUsedMb)} series={series[seriesKey('gpu_mem_used_mb', s)]} color="var(--accent-2)" />
            <Meter label="UTIL" value={g.utilPct} max={100} text={`${Math.round(g.utilPct)}%`} series={series[seriesKey('gpu_util_pct', s)]} />
            <div className="gpu-sparks">
              <span className="muted small">temp</span>
              <Sparkline points={series[seriesKey('gpu_temp_c', s)] ?? []} max={100} width={110} height={16} color="var(--warn)" label="temperature history" />
              <span className="muted small">power</span>
              <Sparkline points={series[seriesKey('gpu_power_w', s)] ?? []} width={110} height={16} color="var(--bad)" label="power history" />
            </div>
          </div>
        );
      })}
      <Meter label="CPU" value={p.cpuPct} max={100} text={`${Math.round(p.cpuPct)}%`} series={series[seriesKey('cpu_pct')]} />
      <Meter label="RAM" value={p.memUsedMb} max={p.memTotalMb} text={fmtMb(p.memUsedMb)} series={series[seriesKey('mem_used_mb')]} color="var(--accent-2)" />
    </div>
  );
}

/** One host at a glance: status, version, models and their states, in-flight, GPU and system. */
export const HostCard = memo(function HostCard({ host }: { host: HostSummary }) {
  const now = useNow(host.inflight.length > 0 ? 250 : 1000);
  // When this in-flight list arrived: elapsed times count on from there between updates.
  const receivedAt = useMemo(() => Date.now(), [host.inflight]);
  const series = usePerfHistory(host);
  const models = [...host.models].sort((a, b) => (STATE_ORDER[a.state] ?? 9) - (STATE_ORDER[b.state] ?? 9) || a.id.localeCompare(b.id));
  const active = models.filter((m) => m.state !== 'stopped');
  const idle = models.length - active.length;
  const total = host.inflightTotal ?? host.inflight.length;
  const statusFor = host.statusSince ? now - Date.parse(host.statusSince) : null;
  return (
    <motion.article layout className={`host-card status-${host.status}`} data-testid="host-card" data-host={host.id} data-status={host.status}>
      <header className="host-card-head">
        <StatusDot status={host.status} />
        <h3>
          <Link to={`/control/fleet/${host.id}`}>{host.label}</Link>
        </h3>
        <span className="host-status" data-testid="host-status" title={statusFor !== null ? `for ${fmtDuration(statusFor)}` : undefined}>
          {host.status}
        </span>
      </header>
      <div className="host-meta">
        <span>{host.kind}</span>
        {host.version && <span className="numeral">{host.version}</span>}
        <span className="mono">{host.baseUrl.replace(/^https?:\/\//, '')}</span>
        {host.source === 'demo' && <span className="tag">demo</span>}
      </div>
      {host.statusReason && host.status !== 'online' && (
        <p className="host-reason" data-testid="host-reason">
          {host.statusReason}
        </p>
      )}
      <ul className="model-list">
        <AnimatePresence initial={false}>
          {active.map((m) => (
            <ModelRow key={m.id} m={m} now={now} />
          ))}
        </AnimatePresence>
        {active.length === 0 && host.models.length > 0 && <li className="muted small">nothing loaded</li>}
        {host.models.length === 0 && <li className="muted small">no models reported yet</li>}
      </ul>
      {idle > 0 && <div className="muted small idle-models">{idle} idle model{idle === 1 ? '' : 's'}</div>}
      {/* an unreachable host is not idle: its card already says why, in-flight is unknown */}
      {(host.status === 'online' || host.status === 'degraded' || total > 0) && <Inflight reqs={host.inflight} total={total} now={now} receivedAt={receivedAt} />}
      <Telemetry host={host} series={series} />
      <footer className="host-card-foot">
        <Link to={`/control/fleet/${host.id}`} className="small">
          details
        </Link>
        <Link to={`/control/logs?host=${host.id}`} className="small">
          logs
        </Link>
        <Link to={`/control/activity?host=${host.id}`} className="small">
          activity
        </Link>
        {host.kind === 'llama-swap' && <SwitchModelButton host={host.id} label="Switch" />}
      </footer>
    </motion.article>
  );
});
