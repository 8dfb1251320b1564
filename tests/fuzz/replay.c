/* Replays a libFuzzer corpus through LLVMFuzzerTestOneInput without libFuzzer, so the
 * corpus runs in every ctest (gcc, ASan) build: replay <dir>... */
#include <czmq.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
    size_t files = 0;
    for (int i = 1; i < argc; i++) {
        zdir_t *dir = zdir_new(argv[i], NULL);
        if (!dir) {
            fprintf(stderr, "replay: no such corpus %s\n", argv[i]);
            return 1;
        }
        zfile_t **list = zdir_flatten(dir);
        for (size_t f = 0; list[f]; f++) {
            zfile_t *file = list[f];
            if (zfile_input(file) != 0) {
                fprintf(stderr, "replay: cannot read %s\n", zfile_filename(file, NULL));
                return 1;
            }
            zchunk_t *chunk = zfile_read(file, zfile_cursize(file), 0);
            assert(chunk);
            LLVMFuzzerTestOneInput(zchunk_data(chunk), zchunk_size(chunk));
            zchunk_destroy(&chunk);
            zfile_close(file);
            files++;
        }
        zdir_flatten_free(&list);
        zdir_destroy(&dir);
    }
    printf("replay: %zu inputs, no failure\n", files);
    return files > 0 ? 0 : 1;
}
