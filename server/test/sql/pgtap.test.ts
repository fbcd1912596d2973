/**
 * Runs the pgTAP files in sql/tests/ with psql against a fresh, migrated PostgreSQL database with
 * the pgtap extension (Debian's postgresql-15-pgtap). PostgreSQL only: PGlite has no pgtap.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrate, migrationsDir } from '../../src/store/db/migrate.js';
import { backends, emptyPostgres } from '../support/db.js';

const testsDir = join(migrationsDir(), 'tests');
const files = readdirSync(testsDir).filter((f) => f.endsWith('.sql')).sort();

describe.runIf(backends.includes('postgres'))('pgTAP (PostgreSQL)', () => {
  it.each(files)('%s passes', async (file) => {
    const target = await emptyPostgres(2);
    try {
      await migrate(target.db);
      await target.db.exec('CREATE EXTENSION IF NOT EXISTS pgtap');
      const run = spawnSync('psql', ['-X', '-q', '-t', '-A', '-v', 'ON_ERROR_STOP=1', '-d', target.url, '-f', join(testsDir, file)], {
        encoding: 'utf8',
      });
      const lines = run.stdout.split('\n').map((l) => l.trim()).filter(Boolean);
      const plan = lines.find((l) => /^1\.\.\d+$/.test(l));
      const failed = lines.filter((l) => l.startsWith('not ok') || l.startsWith('# Looks like'));
      expect({ status: run.status, stderr: run.stderr.trim(), failed }).toEqual({ status: 0, stderr: '', failed: [] });
      const planned = Number(plan?.slice(3));
      expect(planned).toBeGreaterThan(0);
      expect(lines.filter((l) => /^ok \d+/.test(l)).length).toBe(planned);
    } finally {
      await target.drop();
    }
  });
});
