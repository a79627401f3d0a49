"""The city simulator of cloud calling (云叫号): SimPy halls that run the real calling policy,
a central that runs the real balancer (``central/balancer.py``), scenarios in TOML, metrics with
confidence intervals and the ``hallq bench cloud`` command. See ``docs/cloud.md``.
"""
