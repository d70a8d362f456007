// Tests for HostNet live beside this file.
