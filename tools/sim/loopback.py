"""How every fake in tools/sim/ serves: on loopback, its port written to --port-file (atomically,
so a test polling the file never reads half a number) and announced on stdout."""
import os
from http.server import ThreadingHTTPServer


def serve(handler, port, port_file, what):
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    port = server.server_address[1]
    if port_file:
        with open(port_file + ".tmp", "w") as f:
            f.write(str(port))
        os.rename(port_file + ".tmp", port_file)
    print("%s on http://127.0.0.1:%d" % (what, port), flush=True)
    server.serve_forever()
