"""The city's central platform (中心平台): ingest, statistics, appointments, cloud calling."""
