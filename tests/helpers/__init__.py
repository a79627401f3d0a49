"""What the tests (and the benchmarks) share: harnesses (PostgreSQL, a central process, halls),
fixtures, and the fakes the tests put in place of clocks, hall clients and devices
(``clocks``, ``fake_halls``, ``fake_devices``, ``runners``, ``voices``, ``events``). A test
takes them from here, never from another test module."""
