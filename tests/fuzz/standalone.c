// SPDX-License-Identifier: BSD-2-Clause
/*
 * Replays files through a libFuzzer entry point without libFuzzer, so every
 * build (gcc included) re-runs the checked-in corpus. Arguments are files or
 * directories (read one level deep). Exits non-zero if nothing was replayed.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data = NULL;
	long size = 0;

	if (!f) {
		perror(path);
		return -1;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return -1;
	}
	/* An exact-size heap copy lets ASan see any read past the input. */
	data = malloc(size > 0 ? (size_t)size : 1);
	if (!data || fread(data, 1, (size_t)size, f) != (size_t)size) {
		free(data);
		fclose(f);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(data, (size_t)size);
	free(data);
	return 0;
}

static int replay_path(const char *path, unsigned long *count)
{
	struct stat st;
	DIR *dir = NULL;
	struct dirent *de = NULL;
	char child[4096];

	if (stat(path, &st) != 0) {
		perror(path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		if (replay_file(path) != 0) {
			return -1;
		}
		(*count)++;
		return 0;
	}
	dir = opendir(path);
	if (!dir) {
		perror(path);
		return -1;
	}
	while ((de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.') {
			continue;
		}
		snprintf(child, sizeof(child), "%s/%s", path, de->d_name);
		if (stat(child, &st) == 0 && S_ISREG(st.st_mode)) {
			if (replay_file(child) != 0) {
				closedir(dir);
				return -1;
			}
			(*count)++;
		}
	}
	closedir(dir);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long count = 0;

	for (int i = 1; i < argc; i++) {
		if (replay_path(argv[i], &count) != 0) {
			return 1;
		}
	}
	printf("replayed %lu inputs\n", count);
	return count > 0 ? 0 : 1;
}
