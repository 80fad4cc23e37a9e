from .accounts import Account
from .households import Client, Household
from .ledger import Lot, LotRelief, Position, Transaction
from .model_portfolios import ModelPortfolio, ModelTarget
from .proposals import ProposalTrade, RebalanceProposal
from .valuation import AccountValue

__all__ = [
    "Account",
    "AccountValue",
    "Client",
    "Household",
    "Lot",
    "LotRelief",
    "ModelPortfolio",
    "ModelTarget",
    "Position",
    "ProposalTrade",
    "RebalanceProposal",
    "Transaction",
]
