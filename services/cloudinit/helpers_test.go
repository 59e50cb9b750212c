package cloudinit
