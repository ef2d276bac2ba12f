import { useEffect, useState } from 'react';
import type { StoredReport } from '@boocontrol/contracts';
import { Icon } from '../../components/Icon';
import { fmtDateTime } from '../fleet/ui/format';
import { fetchStoredReports } from './reports.api';

/** Reports stored by the daily and weekly schedules (and by hand), each downloadable. */
export function SavedReports() {
  const [reports, setReports] = useState<StoredReport[] | null>(null);
  useEffect(() => {
    const ac = new AbortController();
    fetchStoredReports(ac.signal)
      .then((r) => setReports(r.reports))
      .catch(() => setReports([]));
    return () => ac.abort();
  }, []);
  return (
    <div className="panel" data-testid="saved-reports">
      <h4>Saved reports</h4>
      {reports && reports.length === 0 && <div className="muted small">none yet: a daily usage report is stored after each UTC midnight</div>}
      {reports && reports.length > 0 && (
        <table className="table">
          <tbody>
            {reports.map((r) => (
              <tr key={r.id}>
                <td>{r.title}</td>
                <td className="muted small">{r.schedule}</td>
                <td className="muted small">{fmtDateTime(r.createdAt)}</td>
                <td className="muted small">{r.delivery !== 'none' ? `webhook ${r.delivery}` : ''}</td>
                <td>
                  {(['csv', 'md', 'json'] as const).map((f) => (
                    <a key={f} className="dl" href={`/api/control/reports/saved/${encodeURIComponent(r.id)}?format=${f}`} download>
                      <Icon name="download" /> {f.toUpperCase()}
                    </a>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
