// SPDX-License-Identifier: BSD-2-Clause
/*
 * rheap-vmm: the hypervisor process of the rheap platform (docs/vmm.md).
 * Each guest runs guest_main() (src/hyp/guest.c), the guest's kernel.
 */
#include "hyp/guest.h"
#include "hyp/vmm.h"

int main(int argc, char **argv)
{
	return vmm_main(argc, argv, guest_main);
}
