"""The camera: appointment and phone-ticket QR codes, and photos of documents.

``capture`` holds the :class:`~devices.camera.capture.Camera` interface and the OpenCV driver,
``qr`` the QR scanner, ``document`` page detection and upload-ready JPEGs, ``simulator`` the
test videos that stand in for a camera (read through cv2.VideoCapture like a real one).
"""
