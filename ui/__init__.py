"""The Qt kit the kiosk, the calling console and the wall display share."""
