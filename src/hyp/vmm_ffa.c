// SPDX-License-Identifier: BSD-2-Clause
/*
 * A VM's FF-A calls (virtio-rheap FFA request), checked against the
 * stage-2 ownership model and forwarded to the SPMC over the VM's own
 * board connection (endpoint 0x0002 + index).
 *
 * Stage-2 model: guest page p (GPA p * 4 KiB, p < ram_size / 4 KiB) is
 * PA ram_pa + p * 4 KiB. Each page is OWNED, SHARED or LENT
 * (vmm_vm.pages):
 *
 *   OWNED --MEM_SHARE ok--> SHARED --MEM_RECLAIM ok--> OWNED
 *   OWNED --MEM_LEND ok--> LENT --MEM_RECLAIM ok--> OWNED
 *
 * A transaction may name only OWNED pages inside the VM's RAM that hold
 * neither its virtqueue nor its mailbox; anything else is FFA_DENIED and
 * a denial. A LENT page leaves the guest: the board protects it (the
 * SPMC's TZASC/claim), and the hypervisor refuses to send it again.
 *
 * Mailbox virtualisation: the guest's RXTX_MAP names GPAs, which are
 * checked and remembered, but the board maps the hypervisor's own pages
 * for this VM (VMM_MBOX_AREA after the last guest's RAM). A memory
 * transaction descriptor is copied out of the guest's TX buffer once,
 * decoded (src/ffa), checked, translated GPA -> PA and encoded into the
 * hypervisor's TX buffer, so that the guest cannot change it between the
 * check and the SPMC's read. Supported calls: VERSION, FEATURES, ID_GET,
 * PARTITION_INFO_GET, RXTX_MAP/UNMAP, RX_RELEASE, MEM_SHARE/LEND in one
 * fragment (charged to quota_bytes until reclaimed), MEM_RECLAIM of the
 * VM's own handles. MEM_DONATE (a VM's memory always comes back),
 * MEM_RETRIEVE_REQ (a VM is only a sender), FRAG_TX and the rest are
 * NOT_SUPPORTED.
 *
 * Return convention (docs/virtio-rheap.md 6.9): a call that reached the
 * SPMC returns 0 with its reply in x[]; a refusal of the hypervisor
 * returns the errno of the virtio status (-EPERM, -EINVAL, -ENOMEM,
 * -EOPNOTSUPP) with x[] = the FFA_ERROR the guest sees (DENIED,
 * INVALID_PARAMETERS, NO_MEMORY, NOT_SUPPORTED).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rheap/err.h>
#include <rheap/ffa_abi.h>
#include <rheap/ffa_desc.h>
#include <rheap/ffa_regs.h>

#include "board/nw_client.h"
#include "hyp/vmm_internal.h"

/* Refuse: x[] = FFA_ERROR(@status); returns the matching errno. */
static int vmm_ffa_error(uint64_t x[VIRTIO_RHEAP_FFA_REGS], int32_t status)
{
	memset(x, 0, 8u * VIRTIO_RHEAP_FFA_REGS);
	x[0] = FFA_ERROR;
	x[2] = (uint32_t)status;
	switch (status) {
	case FFA_DENIED:
		return -EPERM;
	case FFA_NO_MEMORY:
		return -ENOMEM;
	case FFA_NOT_SUPPORTED:
		return -EOPNOTSUPP;
	default:
		return -EINVAL;
	}
}

static int vmm_ffa_forward(struct vmm_vm *vm, uint64_t x[VIRTIO_RHEAP_FFA_REGS])
{
	struct rheap_ffa_regs req = { 0 };
	struct rheap_ffa_regs resp = { 0 };
	int rc = 0;

	for (uint32_t i = 0; i < VIRTIO_RHEAP_FFA_REGS; i++) {
		req.x[i] = x[i];
	}
	rc = nw_client_call(vm->ffa, &req, &resp);
	if (rc) {
		return rc;
	}
	for (uint32_t i = 0; i < VIRTIO_RHEAP_FFA_REGS; i++) {
		x[i] = resp.x[i];
	}
	return 0;
}

static bool vmm_ffa_ok(const uint64_t x[VIRTIO_RHEAP_FFA_REGS])
{
	uint32_t f = (uint32_t)x[0];

	return f == FFA_SUCCESS_32 || f == FFA_SUCCESS_64;
}

/*
 * Whether [@gpa, +@pages) lies in the VM's RAM, holds owned pages only
 * and no ring or mailbox page; *@why says what failed.
 */
static bool vmm_ffa_owned(const struct vmm_vm *vm, uint64_t gpa,
			  uint64_t pages, bool check_mbox, const char **why)
{
	uint64_t total = vm->ram_size / VMM_PAGE_SIZE;
	uint64_t first = gpa / VMM_PAGE_SIZE;

	if (gpa % VMM_PAGE_SIZE != 0 || pages == 0 || first >= total ||
	    pages > total - first) {
		*why = "outside its guest RAM";
		return false;
	}
	for (uint64_t p = first; p < first + pages; p++) {
		if (vm->pages[p] != VMM_PAGE_OWNED) {
			*why = "pages not owned (lent or shared)";
			return false;
		}
	}
	if (virtq_dev_overlaps(&vm->vq, gpa, pages * VMM_PAGE_SIZE)) {
		*why = "pages hold its virtqueue";
		return false;
	}
	if (check_mbox && vm->mbox_mapped) {
		uint64_t end = gpa + pages * VMM_PAGE_SIZE;
		uint64_t msize = (uint64_t)vm->mbox_pages * VMM_PAGE_SIZE;

		if ((gpa < vm->tx_gpa + msize && vm->tx_gpa < end) ||
		    (gpa < vm->rx_gpa + msize && vm->rx_gpa < end)) {
			*why = "pages hold its mailbox";
			return false;
		}
	}
	return true;
}

static int vmm_ffa_rxtx_map(struct vmm_vm *vm, uint64_t x[VIRTIO_RHEAP_FFA_REGS])
{
	uint64_t tx = x[1];
	uint64_t rx = x[2];
	uint64_t pages = x[3];
	const char *why = NULL;
	int rc = 0;

	if (vm->mbox_mapped) {
		return vmm_ffa_error(x, FFA_DENIED);
	}
	if (pages == 0 || pages > VMM_MBOX_PAGES) {
		return vmm_ffa_error(x, FFA_INVALID_PARAMETERS);
	}
	if (!vmm_ffa_owned(vm, tx, pages, false, &why) ||
	    !vmm_ffa_owned(vm, rx, pages, false, &why)) {
		vmm_deny(vm, "RXTX_MAP", tx, why);
		return vmm_ffa_error(x, FFA_DENIED);
	}
	if (tx < rx + pages * VMM_PAGE_SIZE && rx < tx + pages * VMM_PAGE_SIZE) {
		return vmm_ffa_error(x, FFA_INVALID_PARAMETERS);
	}
	memset(x, 0, 8u * VIRTIO_RHEAP_FFA_REGS);
	x[0] = FFA_RXTX_MAP_64;
	x[1] = vm->hyp_tx_pa;
	x[2] = vm->hyp_tx_pa + VMM_MBOX_PAGES * VMM_PAGE_SIZE;
	x[3] = pages;
	rc = vmm_ffa_forward(vm, x);
	if (rc == 0 && vmm_ffa_ok(x)) {
		vm->mbox_mapped = true;
		vm->tx_gpa = tx;
		vm->rx_gpa = rx;
		vm->mbox_pages = (uint32_t)pages;
	}
	return rc;
}

static struct vmm_share *vmm_ffa_share_find(const struct vmm_vm *vm,
					    uint64_t handle)
{
	for (uint32_t i = 0; handle != 0 && i < VMM_MAX_SHARES; i++) {
		if (vm->shares[i].handle == handle) {
			return &vm->shares[i];
		}
	}
	return NULL;
}

bool vmm_ffa_handle_owned_by_other(const struct vmm_vm *vm, uint64_t handle)
{
	for (uint32_t i = 0; i < vm->vmm->cfg.vm_count; i++) {
		const struct vmm_vm *o = &vm->vmm->vms[i];

		if (o != vm && o->shares && vmm_ffa_share_find(o, handle)) {
			return true;
		}
	}
	return false;
}

static void vmm_ffa_mark(struct vmm_vm *vm, const struct vmm_share *s,
			 uint8_t state)
{
	for (uint32_t i = 0; i < s->range_count; i++) {
		for (uint32_t p = 0; p < s->page_count[i]; p++) {
			vm->pages[s->first_page[i] + p] = state;
		}
	}
}

int vmm_ffa_stage2_check(const struct vmm_vm *vm,
			 const struct rheap_ffa_mem *mem, uint64_t *page_count,
			 struct vmm_s2_fault *fault)
{
	uint64_t pages = 0;
	const char *why = NULL;

	if (mem->sender_id != vm->ep) {
		*fault = (struct vmm_s2_fault){ .value = mem->sender_id,
						.why = "sender is not this VM" };
		return -EPERM;
	}
	for (uint32_t i = 0; i < mem->range_count; i++) {
		pages += mem->ranges[i].page_count;
		if (!vmm_ffa_owned(vm, mem->ranges[i].address,
				   mem->ranges[i].page_count, true, &why)) {
			*fault = (struct vmm_s2_fault){
				.value = mem->ranges[i].address, .why = why };
			return -EPERM;
		}
	}
	*page_count = pages;
	return 0;
}

void vmm_ffa_translate(const struct vmm_vm *vm, struct rheap_ffa_mem *mem,
		       struct vmm_share *share)
{
	share->range_count = mem->range_count;
	for (uint32_t i = 0; i < mem->range_count; i++) {
		share->first_page[i] = mem->ranges[i].address / VMM_PAGE_SIZE;
		share->page_count[i] = mem->ranges[i].page_count;
		mem->ranges[i].address += vm->ram_pa;
	}
}

static const char *vmm_ffa_abi_req(enum rheap_ffa_abi abi)
{
	return abi == RHEAP_FFA_ABI_SHARE ? "MEM_SHARE" : "MEM_LEND";
}

static int vmm_ffa_mem_send(struct vmm_vm *vm, enum rheap_ffa_abi abi,
			    uint64_t x[VIRTIO_RHEAP_FFA_REGS])
{
	static uint8_t desc[VMM_MBOX_PAGES * VMM_PAGE_SIZE];
	static struct rheap_ffa_range ranges[VMM_MAX_RANGES];
	struct rheap_ffa_receiver rcv[8];
	struct rheap_ffa_mem mem = { .receivers = rcv, .receiver_cap = 8,
				     .ranges = ranges,
				     .range_cap = VMM_MAX_RANGES };
	struct vmm_share *slot = NULL;
	uint64_t pages = 0;
	uint64_t len = x[1];
	uint64_t mbox = (uint64_t)vm->mbox_pages * VMM_PAGE_SIZE;
	struct vmm_s2_fault fault = { 0 };
	uint8_t *src = NULL;
	uint32_t fn = (uint32_t)x[0];
	int enc = 0;
	int rc = 0;

	if (!vm->mbox_mapped || x[3] != 0 || x[4] != 0 || len == 0 ||
	    len > mbox) {
		return vmm_ffa_error(x, FFA_INVALID_PARAMETERS);
	}
	if (x[2] != len) {
		return vmm_ffa_error(x, FFA_NOT_SUPPORTED); /* fragmented */
	}
	if (virtq_mem_map(&vm->mem, vm->tx_gpa, len, &src) != 0) {
		return vmm_ffa_error(x, FFA_INVALID_PARAMETERS);
	}
	memcpy(desc, src, (size_t)len); /* single fetch */
	if (rheap_ffa_mem_decode(abi, desc, (size_t)len, &mem, NULL) != 0) {
		return vmm_ffa_error(x, FFA_INVALID_PARAMETERS);
	}
	if (vmm_ffa_stage2_check(vm, &mem, &pages, &fault) != 0) {
		vmm_deny(vm, vmm_ffa_abi_req(abi), fault.value, fault.why);
		return vmm_ffa_error(x, FFA_DENIED);
	}
	for (uint32_t i = 0; i < VMM_MAX_SHARES && !slot; i++) {
		if (vm->shares[i].handle == 0) {
			slot = &vm->shares[i];
		}
	}
	if (!slot) {
		return vmm_ffa_error(x, FFA_NO_MEMORY);
	}
	if (pages > vm->vmm->cfg.quota_bytes / VMM_PAGE_SIZE -
			    vm->bytes / VMM_PAGE_SIZE) {
		vmm_deny(vm, vmm_ffa_abi_req(abi), pages, "byte quota reached");
		return vmm_ffa_error(x, FFA_NO_MEMORY);
	}
	/* Translate, then hand the SPMC our copy in our TX buffer. */
	vmm_ffa_translate(vm, &mem, slot);
	enc = rheap_ffa_mem_encode(&mem, vm->hyp_tx, mbox, NULL);
	if (enc <= 0) {
		return vmm_ffa_error(x, enc == -ENOSPC ? FFA_NO_MEMORY :
							FFA_INVALID_PARAMETERS);
	}
	memset(x, 0, 8u * VIRTIO_RHEAP_FFA_REGS);
	x[0] = fn;
	x[1] = (uint64_t)enc;
	x[2] = (uint64_t)enc;
	rc = vmm_ffa_forward(vm, x);
	if (rc == 0 && vmm_ffa_ok(x)) {
		slot->handle = (x[2] & 0xFFFFFFFFu) | (x[3] << 32);
		slot->abi = abi;
		vm->bytes += pages * VMM_PAGE_SIZE;
		vmm_ffa_mark(vm, slot, abi == RHEAP_FFA_ABI_SHARE ?
					       VMM_PAGE_SHARED :
					       VMM_PAGE_LENT);
	}
	return rc;
}

static int vmm_ffa_reclaim(struct vmm_vm *vm, uint64_t x[VIRTIO_RHEAP_FFA_REGS])
{
	uint64_t handle = (x[1] & 0xFFFFFFFFu) | (x[2] << 32);
	struct vmm_share *s = vmm_ffa_share_find(vm, handle);
	int rc = 0;

	if (!s) {
		/* The same answer whether or not another VM holds it. */
		vmm_deny(vm, "MEM_RECLAIM", handle,
			 vmm_ffa_handle_owned_by_other(vm, handle) ?
				 "another VM's handle" :
				 "not a handle of this VM");
		return vmm_ffa_error(x, FFA_DENIED);
	}
	rc = vmm_ffa_forward(vm, x);
	if (rc == 0 && vmm_ffa_ok(x)) {
		for (uint32_t i = 0; i < s->range_count; i++) {
			vm->bytes -= (uint64_t)s->page_count[i] * VMM_PAGE_SIZE;
		}
		vmm_ffa_mark(vm, s, VMM_PAGE_OWNED);
		*s = (struct vmm_share){ 0 };
	}
	return rc;
}

static int vmm_ffa_retrieve(struct vmm_vm *vm, uint64_t x[VIRTIO_RHEAP_FFA_REGS])
{
	static uint8_t desc[VMM_MBOX_PAGES * VMM_PAGE_SIZE];
	struct rheap_ffa_receiver rcv[8];
	struct rheap_ffa_mem mem = { .receivers = rcv, .receiver_cap = 8 };
	uint64_t len = x[1];
	uint8_t *src = NULL;

	if (!vm->mbox_mapped || len == 0 ||
	    len > (uint64_t)vm->mbox_pages * VMM_PAGE_SIZE ||
	    virtq_mem_map(&vm->mem, vm->tx_gpa, len, &src) != 0) {
		return vmm_ffa_error(x, FFA_INVALID_PARAMETERS);
	}
	memcpy(desc, src, (size_t)len);
	if (rheap_ffa_mem_decode(RHEAP_FFA_ABI_RETRIEVE_REQ, desc, (size_t)len,
				 &mem, NULL) != 0) {
		return vmm_ffa_error(x, FFA_INVALID_PARAMETERS);
	}
	if (vmm_ffa_handle_owned_by_other(vm, mem.handle)) {
		vmm_deny(vm, "MEM_RETRIEVE", mem.handle, "another VM's handle");
	}
	/* A VM is only a sender: the same answer for every handle. */
	return vmm_ffa_error(x, FFA_NOT_SUPPORTED);
}

int vmm_ffa_call(struct vmm_vm *vm, uint64_t x[VIRTIO_RHEAP_FFA_REGS])
{
	int rc = 0;

	switch ((uint32_t)x[0]) {
	case FFA_VERSION:
	case FFA_FEATURES:
	case FFA_ID_GET:
	case FFA_PARTITION_INFO_GET:
	case FFA_RX_RELEASE:
		return vmm_ffa_forward(vm, x);
	case FFA_RXTX_MAP_32:
	case FFA_RXTX_MAP_64:
		return vmm_ffa_rxtx_map(vm, x);
	case FFA_RXTX_UNMAP:
		rc = vmm_ffa_forward(vm, x);
		if (rc == 0 && vmm_ffa_ok(x)) {
			vm->mbox_mapped = false;
		}
		return rc;
	case FFA_MEM_SHARE_32:
	case FFA_MEM_SHARE_64:
		return vmm_ffa_mem_send(vm, RHEAP_FFA_ABI_SHARE, x);
	case FFA_MEM_LEND_32:
	case FFA_MEM_LEND_64:
		return vmm_ffa_mem_send(vm, RHEAP_FFA_ABI_LEND, x);
	case FFA_MEM_RECLAIM:
		return vmm_ffa_reclaim(vm, x);
	case FFA_MEM_RETRIEVE_REQ_32:
	case FFA_MEM_RETRIEVE_REQ_64:
		return vmm_ffa_retrieve(vm, x);
	default:
		return vmm_ffa_error(x, FFA_NOT_SUPPORTED);
	}
}
