// Tests for TCPStack live beside this file.
