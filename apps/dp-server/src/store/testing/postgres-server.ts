import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * A throwaway PostgreSQL server for the store's tests: Debian's `postgresql` binaries, a cluster
 * made by initdb in a temp dir, listening on a unix socket only (no TCP at all), stopped and
 * deleted after. PostgreSQL refuses to run as root, so as root it runs as the `postgres` user.
 */
export interface TestPostgres {
  url: string;
  stop(): void;
}

/** The directory holding initdb and pg_ctl, or undefined when PostgreSQL is not installed. */
export function findPostgresBin(): string | undefined {
  const onPath = spawnSync('sh', ['-c', 'command -v pg_ctl'], { encoding: 'utf8' }).stdout.trim();
  if (onPath && existsSync(path.join(path.dirname(onPath), 'initdb'))) return path.dirname(onPath);
  // Debian puts the server binaries under /usr/lib/postgresql/VERSION/bin, off the PATH.
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => existsSync(path.join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : path.join(root, versions[0], 'bin');
}

export function startTestPostgres(bin: string): TestPostgres {
  const dir = mkdtempSync(path.join(tmpdir(), 'castpoint-pg-'));
  const asRoot = process.getuid?.() === 0;
  const user = asRoot ? postgresUid() : undefined;
  if (user) chownSync(dir, user.uid, user.gid);
  const run = (cmd: string, args: string[]) => {
    const full = user ? ['runuser', ['-u', 'postgres', '--', path.join(bin, cmd), ...args]] as const : [path.join(bin, cmd), args] as const;
    execFileSync(full[0], [...full[1]], { stdio: 'pipe', cwd: dir });
  };
  const data = path.join(dir, 'data');
  try {
    run('initdb', ['-D', data, '-A', 'trust', '-U', 'castpoint', '--no-sync', '-E', 'UTF8']);
    // listen_addresses='' : unix socket only; fsync off: a test cluster need not survive power loss.
    run('pg_ctl', ['-D', data, '-w', '-t', '60', '-l', path.join(dir, 'log'), '-o', `-k ${dir} -c listen_addresses='' -F`, 'start']);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    url: `postgres://castpoint@localhost/postgres?host=${encodeURIComponent(dir)}`,
    stop() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

function postgresUid(): { uid: number; gid: number } {
  const out = execFileSync('id', ['postgres'], { encoding: 'utf8' });
  const uid = /uid=(\d+)/.exec(out)?.[1];
  const gid = /gid=(\d+)/.exec(out)?.[1];
  if (uid === undefined || gid === undefined) throw new Error(`cannot read the postgres user's ids from: ${out}`);
  return { uid: Number(uid), gid: Number(gid) };
}
