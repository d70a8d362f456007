// Tests for NetSim live beside this file.
