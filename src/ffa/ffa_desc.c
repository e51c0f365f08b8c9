// SPDX-License-Identifier: BSD-2-Clause
/* Placeholder until this module lands. */
