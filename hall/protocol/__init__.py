"""The hall↔central protocol of cloud calling (云叫号): what a hall node, its sync agent and
central say to each other, as data and its checks — no routes, no state machines.

* :mod:`hall.protocol.messages`: the lease messages of remote calling and the phone channel's
  prefix, plain Python (the calling console shows a remote call's state without loading
  pydantic);
* :mod:`hall.protocol.bodies`: the remote choice, recommendations and referrals, checked with
  pydantic.

The hall node checks what central relays with these, and central checks what halls send with
the same ones, so each side accepts what the other sends. See ``docs/cloud.md``.
"""
