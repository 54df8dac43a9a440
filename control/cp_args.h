/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Arguments of a command, described as data and matched against the words of
 * a line. A command takes positional values first, then `key [value]` options
 * in any order, each at most once (the iproute2 shape). The same description
 * renders the synopsis that `help` shows, so the two cannot drift apart.
 */
#ifndef CP_ARGS_H
#define CP_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cp_config.h"
#include "cp_err.h"

/** Most parameters of one command. */
#define CP_PARAMS_MAX 8

/** What kind of value a parameter takes, and so which parser reads it. */
enum cp_ptype {
	CP_P_END = 0,  /**< terminates a parameter list */
	CP_P_NAME,     /**< a port name */
	CP_P_DEV,      /**< a device string */
	CP_P_IP,       /**< a.b.c.d */
	CP_P_PREFIX,   /**< a.b.c.d/len */
	CP_P_ENDPOINT, /**< a.b.c.d:port */
	CP_P_MAC,      /**< aa:bb:cc:dd:ee:ff */
	CP_P_UINT,     /**< a number in min..max */
	CP_P_RANGE,    /**< low-high, both in min..max */
	CP_P_KEYWORD,  /**< one of words[] */
	CP_P_FLAG,     /**< the key alone, no value */
	CP_P_HEX,      /**< hex digit pairs, min..max bytes (max <= CP_HEX_MAX); "none"
			    when min is 0 (zero bytes) */
	CP_P_REST,     /**< positional, last: every remaining word, whatever it is
			    (`help COMMAND...`) */
};

/** Longest CP_P_HEX value in bytes. */
#define CP_HEX_MAX 32

/** One parameter of a command. */
struct cp_param {
	const char *key; /**< NULL for a positional value, else the option word */
	const char
		*meta; /**< placeholder in the synopsis ("IP:PORT"); keywords may leave it NULL */
	enum cp_ptype type;
	/** Options: may be left out. Positional values: may be left out only at the end of
	 *  the line or before an option key (`show backends [VIP:PORT]`). */
	bool optional;
	uint32_t min, max;        /**< CP_P_UINT, CP_P_RANGE; CP_P_HEX: bytes */
	const char *const *words; /**< CP_P_KEYWORD, NULL-terminated */
};

/** One parsed value; which member is set follows the parameter's type. */
struct cp_value {
	const char *str; /**< CP_P_NAME, CP_P_DEV: the word itself */
	struct cp_ip ip; /**< CP_P_IP, CP_P_PREFIX, CP_P_ENDPOINT */
	uint8_t plen;    /**< CP_P_PREFIX */
	uint16_t port;   /**< CP_P_ENDPOINT */
	uint8_t mac[6];  /**< CP_P_MAC */
	uint32_t u;      /**< CP_P_UINT, CP_P_KEYWORD (index into words), CP_P_FLAG (1),
			      CP_P_HEX (bytes in hex), CP_P_REST (words in rest) */
	uint32_t lo, hi; /**< CP_P_RANGE */
	uint8_t hex[CP_HEX_MAX];  /**< CP_P_HEX */
	const char *const *rest; /**< CP_P_REST: the words, pointing into the caller's */
};

/** The parsed arguments of one line, indexed like the command's parameters. */
struct cp_args {
	struct cp_value v[CP_PARAMS_MAX];
	bool set[CP_PARAMS_MAX];
};

/**
 * Match @p words against the END-terminated @p params.
 * @return 0, or -EINVAL with the reason in @p e (not prefixed by the command)
 */
int cp_args_match(const struct cp_param *params, const char *const *words, unsigned n_words,
		  struct cp_args *out, struct cp_err *e);

/** Render the synopsis of @p params ("VIP:PORT [mode l4|tls]", "[COMMAND...]") into @p buf. */
void cp_args_synopsis(const struct cp_param *params, char *buf, size_t len);

#endif /* CP_ARGS_H */
