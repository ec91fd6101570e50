'use strict';
// The stand-in minio server (see this folder's Dockerfile): `minio server DIR [--address :PORT] [--console-address
// :PORT]`. s3rver stores the objects in DIR and answers the S3 API on the address; this file adds MinIO's root key
// pair, its health paths and its start-up refusal of a drive it cannot write.
const fs = require('fs');
const http = require('http');
const path = require('path');
const S3rver = require('s3rver');
const AWSAccount = require('s3rver/lib/models/account');

function fail(message) {
  console.error(`ERROR ${message}`);
  process.exit(1);
}

// MinIO reads a _FILE variable as a path, absolute or under /run/secrets.
function setting(name) {
  const file = process.env[`${name}_FILE`];
  if (file) {
    const p = path.isAbsolute(file) ? file : path.join('/run/secrets', file);
    try {
      return fs.readFileSync(p, 'utf8').trim();
    } catch (e) {
      fail(`Unable to read ${name}_FILE ${p}: ${e.message}`);
    }
  }
  return process.env[name];
}

const args = process.argv.slice(2);
if (args[0] !== 'server') fail(`the stand-in only runs \`minio server\`, not ${JSON.stringify(args)}`);
const option = (flag, fallback) => {
  const i = args.indexOf(flag);
  return i >= 0 ? args.splice(i, 2)[1] : fallback;
};
const port = (address) => Number(String(address).split(':').pop());
const address = option('--address', ':9000');
const consoleAddress = option('--console-address', ':0');
const drives = args.slice(1);
if (drives.length !== 1) fail(`the stand-in serves exactly one drive, not ${JSON.stringify(drives)}`);
const drive = drives[0];

const user = setting('MINIO_ROOT_USER') || 'minioadmin';
const password = setting('MINIO_ROOT_PASSWORD') || 'minioadmin';
if (user.length < 3) fail('Invalid credentials: MINIO_ROOT_USER should be at least 3 characters');
if (password.length < 8) fail('Invalid credentials: MINIO_ROOT_PASSWORD should be at least 8 characters');

// MinIO writes its metadata into the drive first; a drive it cannot write stops the server.
try {
  fs.mkdirSync(path.join(drive, '.minio.sys'), { recursive: true });
} catch (e) {
  fail(`Unable to use the drive ${drive}: ${e.code === 'EACCES' ? 'file access denied' : e.message} (uid ${process.getuid()})`);
}

AWSAccount.DUMMY_ACCOUNT.revokeAccessKey('S3RVER');
AWSAccount.DUMMY_ACCOUNT.createKeyPair(user, password);
// like MinIO without MINIO_DOMAIN: path-style requests only (s3rver would read the host name `minio` as a bucket)
const s3 = new S3rver({ directory: drive, silent: true, vhostBuckets: false });
const s3Handler = s3.callback();

const api = http.createServer((req, res) => {
  if (req.url === '/minio/health/live' || req.url === '/minio/health/ready') {
    res.writeHead(200).end();
    return;
  }
  s3Handler(req, res);
});
const consoleServer = http.createServer((req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('console: not provided by the stand-in\n'));

api.listen(port(address), '0.0.0.0', () => console.log(`API: http://0.0.0.0:${port(address)} (stand-in, s3rver on ${drive})`));
if (port(consoleAddress)) consoleServer.listen(port(consoleAddress), '0.0.0.0');

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    api.close();
    consoleServer.close();
    process.exit(0);
  });
}
