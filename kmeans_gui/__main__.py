"""`python -m kmeans_gui` is the same as the `kmeans-gui` command."""

if __name__ == "__main__":  # not when the engine's spawned process imports the main module
    try:
        from kmeans_gui.cli import main
    except KeyboardInterrupt:  # Ctrl-C while NumPy and pandas load: one line, not a traceback
        import sys

        print("error: interrupted; no output was written", file=sys.stderr)
        raise SystemExit(130) from None

    raise SystemExit(main())
