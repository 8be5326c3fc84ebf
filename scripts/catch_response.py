"""Stands in for CloudFormation's presigned ResponseURL in the demo: accepts one PUT on
127.0.0.1, writes its body to the file given, and exits. Prints the port it listens on."""

import http.server
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    def do_PUT(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with open(sys.argv[1], "wb") as f:
            f.write(body)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.handle_request()
