#!/usr/bin/python3
"""A small RTSP server for trying examples/pipelines/rtsp.sh and `xclip watch`, and for their tests.

    scripts/rtsp-server.py [--port 8554] [--path /test] [--pattern ball]

serves videotestsrc (H.264, x264enc tune=zerolatency) at rtsp://127.0.0.1:PORT/PATH until killed,
printing "ready rtsp://127.0.0.1:PORT/PATH" on stdout once it listens. Needs PyGObject and the RTSP
server's introspection data (python3-gi, gir1.2-gst-rtsp-server-1.0, gstreamer1.0-plugins-ugly for
x264enc: scripts/setup.sh installs them).
"""
import argparse
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, default=8554)
    ap.add_argument("--address", default="127.0.0.1")
    ap.add_argument("--path", default="/test")
    ap.add_argument("--pattern", default="ball", help="videotestsrc pattern")
    ap.add_argument("--size", default="320x240", help="WIDTHxHEIGHT")
    args = ap.parse_args()
    Gst.init(None)
    width, height = args.size.split("x")
    server = GstRtspServer.RTSPServer()
    server.set_address(args.address)
    server.set_service(str(args.port))
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(
        f"( videotestsrc is-live=true pattern={args.pattern} ! "
        f"video/x-raw,width={width},height={height},framerate=30/1 ! "
        "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=30 ! rtph264pay name=pay0 pt=96 )")
    factory.set_shared(True)
    server.get_mount_points().add_factory(args.path, factory)
    if server.attach(None) == 0:
        print(f"cannot listen on {args.address}:{args.port}", file=sys.stderr)
        return 1
    print(f"ready rtsp://{args.address}:{args.port}{args.path}", flush=True)
    try:
        GLib.MainLoop().run()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
