import Foundation

/// Starts project Python scripts in a state tests can rely on.
enum PythonLauncher {
    /// Runs before the script. The watchdog ends the helper when the test process dies (its
    /// parent changes), so a crashed test run leaves no orphan node behind.
    static let bootstrap = """
        import os, runpy, sys, threading, time
        parent = os.getppid()
        def watch_parent():
            while os.getppid() == parent:
                time.sleep(0.5)
            os._exit(0)
        threading.Thread(target=watch_parent, daemon=True).start()
        script = sys.argv[1]
        sys.argv = sys.argv[1:]
        if script == "-c":
            sys.argv[0] = "-c"
            exec(compile(sys.argv.pop(1), "<canned>", "exec"), {"__name__": "__main__"})
        else:
            sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
            runpy.run_path(script, run_name="__main__")
        """

    /// Arguments for the interpreter: the bootstrap, then `script` (a path, or "-c" and source) and its arguments.
    static func arguments(script: [String], _ arguments: [String]) -> [String] {
        ["-c", bootstrap] + script + arguments
    }
}
