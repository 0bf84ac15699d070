// Node's basic-ftp with its defaults (new Client(): 30 s per step), fetching one file.
// usage: node basic_ftp_client.mjs HOST PORT PATH OUT
// NODE_PATH must name the node_modules that holds basic-ftp.
import { createRequire } from "node:module";
import { writeFileSync } from "node:fs";
import { Writable } from "node:stream";

const require = createRequire(process.env.NODE_PATH + "/");
const { Client } = require("basic-ftp");
const [host, port, path, out] = process.argv.slice(2);

const client = new Client();
const chunks = [];
const sink = new Writable({ write(chunk, _enc, done) { chunks.push(chunk); done(); } });
try {
    // secure: false, the default: plain FTP even where the server offers TLS.
    await client.access({ host, port: Number(port), user: "anonymous", password: "anonymous@" });
    await client.downloadTo(sink, path);
    const data = Buffer.concat(chunks);
    writeFileSync(out, data);
    console.log(`${data.length} bytes`);
    client.close();
} catch (err) {
    console.error(String(err.message || err));
    client.close();
    process.exit(1);
}
