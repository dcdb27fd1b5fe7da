package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/logbookhq/logbook/internal/access"
	"github.com/logbookhq/logbook/internal/accounts"
	"github.com/logbookhq/logbook/internal/config"
	ingestwriter "github.com/logbookhq/logbook/internal/ingest"
	"github.com/logbookhq/logbook/internal/server"
)

// withAuth opens the store cfg names and runs fn with the access service.
// Changes are recorded in the audit log like those made through the API.
func withAuth(ctx context.Context, cfg config.Config, fn func(*accounts.Service, accounts.Actor) error) error {
	if ctx == nil {
		ctx = context.Background()
	}
	st, err := server.OpenStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	w := ingestwriter.New(st, log, ingestwriter.Options{})
	defer w.Close()
	svc, err := accounts.New(ctx, st, w, log, accounts.DefaultOptions())
	if err != nil {
		return err
	}
	who := "cli"
	if u := os.Getenv("USER"); u != "" {
		who = "cli:" + u
	}
	return fn(svc, accounts.Actor{Name: who})
}

// readPassword reads a password from the flag, or else from the terminal
// without echo, or else from the first line of standard input.
func readPassword(cmd *cobra.Command, flag string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	if f, ok := cmd.InOrStdin().(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(cmd.ErrOrStderr(), "Password: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(cmd.ErrOrStderr())
		return string(b), err
	}
	line, err := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func newUserCmd() *cobra.Command {
	cfg := config.Default()
	cmd := &cobra.Command{Use: "user", Short: "Add, list, lock and unlock users, and set passwords"}
	var roles, domains []string
	var password string
	add := &cobra.Command{
		Use:   "add NAME",
		Short: "Add a user (password from --password, the terminal or standard input)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pw, err := readPassword(cmd, password)
			if err != nil {
				return err
			}
			return withAuth(cmd.Context(), cfg, func(s *accounts.Service, by accounts.Actor) error {
				u, err := s.CreateUser(cmd.Context(), by, accounts.NewUser{Name: args[0], Password: pw, Roles: roles, Domains: domains})
				if err == nil {
					fmt.Fprintf(cmd.OutOrStdout(), "added user %s (%s; %s)\n", u.Name, strings.Join(u.Roles, ", "), strings.Join(u.Domains, ", "))
				}
				return err
			})
		},
	}
	add.Flags().StringSliceVar(&roles, "role", []string{string(access.RoleUser)}, "role: super-admin, audit-log-admin, job-admin, user-admin, user (repeatable)")
	add.Flags().StringSliceVar(&domains, "domain", []string{"Global"}, "domain (repeatable)")
	add.Flags().StringVar(&password, "password", "", "password (prefer the prompt or standard input)")
	list := &cobra.Command{
		Use: "list", Short: "List users", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withAuth(cmd.Context(), cfg, func(s *accounts.Service, _ accounts.Actor) error {
				us, err := s.ListUsers(cmd.Context(), accounts.Actor{})
				if err != nil {
					return err
				}
				tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "NAME\tROLES\tDOMAINS\tLOCKED\tLAST LOGIN")
				for _, u := range us {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%v\t%s\n", u.Name, strings.Join(u.Roles, ","), strings.Join(u.Domains, ","), u.Locked, u.LastLoginAt)
				}
				return tw.Flush()
			})
		},
	}
	change := func(use, short string, c func() accounts.UserChange, needsPassword bool) *cobra.Command {
		return &cobra.Command{
			Use: use + " NAME", Short: short, Args: cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				ch := c()
				if needsPassword {
					pw, err := readPassword(cmd, password)
					if err != nil {
						return err
					}
					ch.Password = &pw
				}
				return withAuth(cmd.Context(), cfg, func(s *accounts.Service, by accounts.Actor) error {
					_, err := s.UpdateUser(cmd.Context(), by, args[0], ch)
					if err == nil {
						fmt.Fprintf(cmd.OutOrStdout(), "%s: done\n", args[0])
					}
					return err
				})
			},
		}
	}
	yes, no := true, false
	passwd := change("passwd", "Set a user's password", func() accounts.UserChange { return accounts.UserChange{} }, true)
	passwd.Flags().StringVar(&password, "password", "", "new password (prefer the prompt or standard input)")
	cmd.AddCommand(add, list, passwd,
		change("lock", "Lock a user out", func() accounts.UserChange { return accounts.UserChange{Locked: &yes} }, false),
		change("unlock", "Unlock a user", func() accounts.UserChange { return accounts.UserChange{Locked: &no} }, false))
	cmd.PersistentFlags().StringVar(&cfg.Data, "data", cfg.Data, "data directory")
	cmd.PersistentFlags().StringVar(&cfg.DB, "db", cfg.DB, "database URL; empty for the embedded SQLite database in --data")
	return cmd
}

func newDomainCmd() *cobra.Command {
	cfg := config.Default()
	cmd := &cobra.Command{Use: "domain", Short: "Add and list domains"}
	var parentRead bool
	add := &cobra.Command{
		Use: "add PATH", Short: "Add a domain below an existing one, such as Global/EMEA", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withAuth(cmd.Context(), cfg, func(s *accounts.Service, by accounts.Actor) error {
				_, err := s.CreateDomain(cmd.Context(), by, accounts.DomainView{Name: args[0], ParentRead: parentRead})
				if err == nil {
					fmt.Fprintf(cmd.OutOrStdout(), "added domain %s\n", args[0])
				}
				return err
			})
		},
	}
	add.Flags().BoolVar(&parentRead, "parent-read", false, "let the domain's users read its parent domain's objects")
	list := &cobra.Command{
		Use: "list", Short: "List domains", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withAuth(cmd.Context(), cfg, func(s *accounts.Service, _ accounts.Actor) error {
				ds, err := s.ListDomains(cmd.Context(), accounts.Actor{})
				for _, d := range ds {
					extra := ""
					if d.ParentRead {
						extra = "  (reads its parent)"
					}
					fmt.Fprintln(cmd.OutOrStdout(), d.Name+extra)
				}
				return err
			})
		},
	}
	cmd.AddCommand(add, list)
	cmd.PersistentFlags().StringVar(&cfg.Data, "data", cfg.Data, "data directory")
	cmd.PersistentFlags().StringVar(&cfg.DB, "db", cfg.DB, "database URL; empty for the embedded SQLite database in --data")
	return cmd
}

func newTokenCmd() *cobra.Command {
	cfg := config.Default()
	cmd := &cobra.Command{Use: "token", Short: "Create, list and revoke API tokens"}
	var scopes, domains []string
	create := &cobra.Command{
		Use: "create NAME", Short: "Create an API token and print its secret once", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withAuth(cmd.Context(), cfg, func(s *accounts.Service, by accounts.Actor) error {
				t, err := s.CreateToken(cmd.Context(), by, access.Subject{}, accounts.NewToken{Name: args[0], Scopes: scopes, Domains: domains})
				if err != nil {
					return err
				}
				fmt.Fprintln(cmd.OutOrStdout(), t.Secret)
				fmt.Fprintf(cmd.ErrOrStderr(), "token %d %q (%s; %s): the secret above is shown this once\n", t.ID, t.Name, strings.Join(t.Scopes, ","), strings.Join(t.Domains, ","))
				return nil
			})
		},
	}
	create.Flags().StringSliceVar(&scopes, "scope", []string{string(access.ScopeIngest)}, "ingest, read, integrity or admin (repeatable)")
	create.Flags().StringSliceVar(&domains, "domain", []string{"Global"}, "domain the token may write to and read (repeatable)")
	list := &cobra.Command{
		Use: "list", Short: "List API tokens", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withAuth(cmd.Context(), cfg, func(s *accounts.Service, _ accounts.Actor) error {
				ts, err := s.ListTokens(cmd.Context(), accounts.Actor{})
				if err != nil {
					return err
				}
				tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tNAME\tSCOPES\tDOMAINS\tLAST USED\tREVOKED")
				for _, t := range ts {
					fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, strings.Join(t.Scopes, ","), strings.Join(t.Domains, ","), t.LastUsedAt, t.RevokedAt)
				}
				return tw.Flush()
			})
		},
	}
	revoke := &cobra.Command{
		Use: "revoke ID", Short: "Revoke an API token", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil {
				return fmt.Errorf("ID: %q is not a token id", args[0])
			}
			return withAuth(cmd.Context(), cfg, func(s *accounts.Service, by accounts.Actor) error {
				return s.RevokeToken(cmd.Context(), by, id)
			})
		},
	}
	cmd.AddCommand(create, list, revoke)
	cmd.PersistentFlags().StringVar(&cfg.Data, "data", cfg.Data, "data directory")
	cmd.PersistentFlags().StringVar(&cfg.DB, "db", cfg.DB, "database URL; empty for the embedded SQLite database in --data")
	return cmd
}
