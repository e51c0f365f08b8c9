/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A whole file in memory, for the board unit tests' Transfer Lists.
 */
#ifndef RHEAP_TESTS_UNIT_BOARD_TEST_FILE_H
#define RHEAP_TESTS_UNIT_BOARD_TEST_FILE_H

#include <stddef.h>
#include <stdint.h>

/**
 * board_test_read_file() - read a file whole
 * @path: the file, or NULL
 * @size: out: its bytes
 *
 * Return: a malloc'ed copy (free() it), or NULL when @path is NULL, the
 * file is missing or empty, or a read fails.
 */
uint8_t *board_test_read_file(const char *path, size_t *size);

#endif /* RHEAP_TESTS_UNIT_BOARD_TEST_FILE_H */
