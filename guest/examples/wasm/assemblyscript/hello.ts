// hello.ts: a WAGI function in AssemblyScript (with @assemblyscript/wasi-shim):
// greets the name in the request body.
//
//   npm ci && npx asc hello.ts --config \
//     node_modules/@assemblyscript/wasi-shim/asconfig.json -O3 -o hello.wasm
//   glint deploy hello hello.wasm
//
// Top-level code is the module's _start. Everything before the first read
// of stdin runs once, at deploy: this buffer is allocated then, and every
// call resumes from the snapshot taken at that read.
const buf = new ArrayBuffer(65536);
let n = 0;
for (;;) {
  const got = process.stdin.read(buf, n);
  if (got <= 0) break;
  n += got;
}
const body = String.UTF8.decode(buf.slice(0, n)).trim();
// The CGI variables are the call's: read them after stdin.
const env = process.env;
const method = env.has("REQUEST_METHOD") ? env.get("REQUEST_METHOD") : "?";
if (body.length == 0) {
  process.stdout.write("Status: 400\nContent-Type: text/plain\n\nno name\n");
} else {
  process.stdout.write("Content-Type: text/plain; charset=utf-8\n\n");
  process.stdout.write("Hello, " + body + "! (" + method + ", " +
                       n.toString() + " bytes)\n");
  process.stderr.write("greeted " + body + "\n"); // the function's log
}
