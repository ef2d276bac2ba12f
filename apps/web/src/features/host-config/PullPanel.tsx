import { useState } from 'react';
import { HfFileSchema, HfRepoSchema, type Job } from '@boocontrol/contracts';
import { hostConfigApi } from './host-config.api';
import { JobProgress } from './JobProgress';

const problem = (schema: typeof HfRepoSchema | typeof HfFileSchema, value: string) => {
  const r = schema.safeParse(value);
  return r.success ? null : (r.error.issues[0]?.message ?? 'invalid');
};

/** Pull a model onto the host (huggingface-cli download) with a live progress bar and log tail. */
export function PullPanel({ hostId }: { hostId: string }) {
  const [repo, setRepo] = useState('');
  const [file, setFile] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [job, setJob] = useState<Job | null>(null);
  const repoProblem = repo ? problem(HfRepoSchema, repo.trim()) : null;
  const fileProblem = file ? problem(HfFileSchema, file.trim()) : null;

  return (
    <section className="hc-panel" data-testid="pull-panel">
      <h3>Pull model</h3>
      <form
        className="hc-pull"
        onSubmit={(e) => {
          e.preventDefault();
          setError(null);
          hostConfigApi.pull(hostId, { repo: repo.trim(), ...(file.trim() ? { file: file.trim() } : {}) }).then(
            (r) => setJob(r.job),
            (err: unknown) => setError(err instanceof Error ? err.message : String(err)),
          );
        }}
      >
        <label>
          Repo
          <input value={repo} onChange={(e) => setRepo(e.target.value)} placeholder="unsloth/Qwen3-30B-A3B-GGUF" className="mono" data-testid="pull-repo" aria-invalid={!!repoProblem} />
          {repoProblem && <span className="hc-error small">{repoProblem}</span>}
        </label>
        <label>
          File (optional)
          <input value={file} onChange={(e) => setFile(e.target.value)} placeholder="Qwen3-30B-A3B-Q4_K_M.gguf" className="mono" data-testid="pull-file" aria-invalid={!!fileProblem} />
          {fileProblem && <span className="hc-error small">{fileProblem}</span>}
        </label>
        <button type="submit" className="hc-btn" disabled={!repo.trim() || !!repoProblem || !!fileProblem} data-testid="pull-start">Pull</button>
      </form>
      {error && <p className="hc-error">{error}</p>}
      {job && <JobProgress key={job.id} job={job} title={`Pull ${String(job.params.repo ?? '')}`} />}
    </section>
  );
}
